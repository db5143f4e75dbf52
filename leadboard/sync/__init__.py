"""HubSpot ⇄ cache synchronisation. UI-free: nothing under here imports Textual."""
