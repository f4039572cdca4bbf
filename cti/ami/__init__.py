"""Everything that speaks the Asterisk Manager Interface lives here."""
