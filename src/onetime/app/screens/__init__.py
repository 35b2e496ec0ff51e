"""One module per screen of the token app."""
