"""Generated Protobuf package infrafabric.memory.v1."""
