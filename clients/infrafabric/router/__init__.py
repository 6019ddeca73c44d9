"""Generated Protobuf package infrafabric.router."""
