"""Generated Protobuf package infrafabric.guard."""
