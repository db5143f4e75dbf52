"""`python -m leadboard` runs the same CLI as the `leadboard` script."""

from leadboard.cli.main import main

if __name__ == "__main__":
    main()
