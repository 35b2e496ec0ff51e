"""Tables, the database handle and the repositories whose conditional UPDATEs enforce the rules."""
