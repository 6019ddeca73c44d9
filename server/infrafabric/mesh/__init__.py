"""The mesh as a whole: its configuration, the Envoy configuration generated from it, and the launcher."""
