"""Generated Protobuf package infrafabric.guard.v1."""
