"""Generated Protobuf package infrafabric.audit."""
