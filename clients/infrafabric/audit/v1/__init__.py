"""Generated Protobuf package infrafabric.audit.v1."""
