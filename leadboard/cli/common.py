"""What every scriptable command shares: the `--portal/--email/--db` options, exit codes, safe output.

A script reads leadboard's answer from the exit code and one `Error: …` line on stderr, so every
failure goes through `fail` (one line, exit code chosen here), and everything printed that came
from HubSpot goes through `shown` (escape sequences and control characters removed, token masked).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import select
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from leadboard.logs import may_redact, redact, setup_logging
from leadboard.text import clean_untrusted

if TYPE_CHECKING:
    from leadboard.cache.store import Store
    from leadboard.cli.credentials import ResolvedToken
    from leadboard.config import Settings
    from leadboard.state import PortalMeta
    from leadboard.sync.tokens import TokenProvider

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_ATTENTION = 3
EXIT_WAITING = 4

#: The epilog of every scriptable command ("\b" keeps click from re-wrapping the list).
EXIT_CODES_HELP = (
    "\b\nExit codes:\n"
    "  0  done\n"
    "  1  error or refused: nothing was changed\n"
    "  2  bad usage: unknown option, missing argument\n"
    "  3  changes failed in HubSpot, are in conflict or blocked (see `leadboard status`)\n"
    "  4  saved, but waiting to reach HubSpot (offline, rate limited, token needs attention)"
)

_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
_WHITESPACE = re.compile(r"\s+")


class CommandFailed(click.ClickException):
    """A one-line `Error: …` on stderr; subclasses (made by `fail`) carry the other exit codes."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


_FAILURES: dict[int, type[CommandFailed]] = {EXIT_ERROR: CommandFailed}


def fail(message: str, exit_code: int = EXIT_ERROR) -> NoReturn:
    """Stop the command: `Error: <message>` on stderr and `exit_code` (click's own ClassVar)."""
    failure = _FAILURES.get(exit_code)
    if failure is None:
        failure = type(f"CommandFailed{exit_code}", (CommandFailed,), {"exit_code": exit_code})
        _FAILURES[exit_code] = failure
    raise failure(message)


def shown(text: object) -> str:
    """Text fit for the terminal: escape sequences and control characters gone, secrets masked."""
    return clean_untrusted(redact(str(text)))


def one_line(text: object, limit: int | None = None) -> str:
    """`shown`, on one line (runs of whitespace become one space), cut to `limit` characters."""
    if isinstance(text, str) and _already_one_line(text):
        line = text  # the common case, ~10x faster: `leadboard leads` cleans 200,000 of these at 50,000 leads
    else:
        line = _WHITESPACE.sub(" ", shown(text)).strip()
    if limit is not None and len(line) > limit:
        line = line[: max(limit - 1, 0)].rstrip() + "…"
    return line


def _already_one_line(text: str) -> bool:
    """True when `one_line` would leave `text` as it is: printable ASCII (no escape sequence,
    control character, line break or tab), single spaces inside only, nothing `redact` masks."""
    return (
        text.isascii()
        and text.isprintable()
        and "  " not in text
        and text == text.strip()
        and not may_redact(text)
    )


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 change", "3 changes"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def plain_text(text: str, what: str) -> str:
    """The rep's text as given, refused if it holds control characters or escape sequences.

    Stripping them silently would change what the rep wrote without telling them; line breaks and
    tabs are fine. Blank and over-long text are the lead process's to refuse (state.clean_note).
    """
    normalised = _LINE_BREAKS.sub("\n", text)
    for char in normalised:
        if char not in "\n\t" and clean_untrusted(char) != char:
            fail(
                f"The {what} contains a control character or escape sequence (U+{ord(char):04X}): "
                "write plain text only."
            )
    return normalised


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@dataclass
class Session:
    """One command's view of the configuration: the flags as given, settings loaded on first use."""

    portal: str | None
    email: str | None
    db: str | None
    #: Say each unknown `[keymap]` id on stderr (doctor turns this off: it reports them as a check).
    warn_keymap: bool = True
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """Flags > `LEADBOARD_*` variables > config file > defaults; a bad value ends the command."""
        if self._settings is None:
            from leadboard.config import ConfigError, load_settings
            from leadboard.key_ids import keymap_problems

            try:
                self._settings = load_settings(portal=self.portal, email=self.email, db=self.db)
            except ConfigError as exc:
                raise click.ClickException(shown(exc)) from None
            if self.warn_keymap:
                for problem in keymap_problems(self._settings.keymap):
                    click.echo(f"Warning: {one_line(problem)}", err=True)
        return self._settings

    def check_rep_known(self) -> None:
        """Stop unless leadboard can tell who the rep is: signed in as themselves (OAuth), or an email."""
        resolved = self.token_source()
        if resolved is None or resolved.oauth is None:
            self.rep_email()

    def rep_email(self) -> str:
        email = self.settings().email
        if not email:
            fail(
                "No email is set: pass --email you@example.com, set LEADBOARD_EMAIL, "
                'or add `email = "you@example.com"` to the config file; or sign in as yourself with '
                "`leadboard login`."
            )
        return email

    def token_source(self) -> ResolvedToken | None:
        from leadboard.cli.credentials import CredentialsError, resolve_token_source

        try:
            return resolve_token_source(self.settings())
        except CredentialsError as exc:
            fail(str(exc))

    def token_provider(self) -> TokenProvider | None:
        """The credential as the gateway's token provider (a sign-in refreshes itself); None if none."""
        resolved = self.token_source()
        if resolved is None:
            return None
        from leadboard.cli.oauth_tokens import provider_for

        return provider_for(self.settings(), resolved)

    def open_store(self) -> Store:
        """The existing cache; commands other than `sync` never create one (it would be empty)."""
        from leadboard.cache.store import CacheError, Store

        path = self.settings().db
        if not path.exists():
            fail(f"There is no cache at {path} yet: run `leadboard sync` first.")
        try:
            return Store.open(path)
        except CacheError as exc:
            fail(str(exc))


def require_meta(store: Store) -> PortalMeta:
    """The cached portal metadata, or stop: commands need stages and options before anything else.

    We do not pull metadata behind the rep's back here: `leadboard sync` is one clear first step,
    and a lead id can only be known after the leads were pulled anyway.
    """
    meta = store.portal_meta()
    if not meta.stages:
        fail(f"The cache at {store.path} has no portal data yet: run `leadboard sync` first.")
    return meta


R = TypeVar("R")


def session_options(command: Callable[..., R]) -> Callable[..., R]:
    """Add `--portal`, `--email` and `--db` and pass a `Session` as the first argument.

    The environment variables are read by `load_settings` (not by click), so an error names the
    variable a bad value came from. Logging is set up here: once per invocation.
    """

    @click.option(
        "--portal",
        default=None,
        metavar="URL",
        help="Portal base URL (env LEADBOARD_PORTAL; default: config file, then HubSpot).",
    )
    @click.option(
        "--email",
        default=None,
        metavar="EMAIL",
        help="Your HubSpot user email (env LEADBOARD_EMAIL; default: config file).",
    )
    @click.option(
        "--db",
        default=None,
        metavar="PATH",
        help="The cache file (env LEADBOARD_DB; default: config file, then the user data dir).",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, portal: str | None, email: str | None, db: str | None, **kwargs: Any) -> R:
        log_file = setup_logging()
        try:
            done = command(Session(portal=portal, email=email, db=db), *args, **kwargs)
            sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
            return done
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError as exc:
            if not stdout_reader_gone():
                fail(unexpected_error(exc, log_file))
            end_quietly_for_a_gone_reader()
        except Exception as exc:
            fail(unexpected_error(exc, log_file))

    return wrapper


def stdout_reader_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it (`leadboard leads | head -1`, once head is done).

    A broken pipe can come from elsewhere (a socket), and that is a real error: only this one is not.
    """
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no real descriptor behind stdout (a test runner)
        return False


def end_quietly_for_a_gone_reader() -> NoReturn:
    """Stop with exit code 0 and no message, as any Unix tool whose reader stopped reading.

    stdout is pointed at the null device first, so what is still buffered (and Python's flush at
    exit) has somewhere to go instead of raising again on the closed pipe.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    raise click.exceptions.Exit(EXIT_OK)


def unexpected_error(exc: Exception, log_file: Path) -> str:
    """One line for a failure no command expected; the traceback goes to the (redacted) log file.

    A cache or credentials problem raised from deep inside the engine already carries a sentence
    for the rep, so it is shown as it is.
    """
    from leadboard.cache.store import CacheError
    from leadboard.cli.credentials import CredentialsError

    if isinstance(exc, CacheError | CredentialsError):
        return str(exc)
    logging.getLogger("leadboard.cli.main").exception("unexpected error")
    return (
        f"leadboard hit an internal error ({type(exc).__name__}). Your queued changes are kept; "
        f"the details are in {log_file}."
    )
