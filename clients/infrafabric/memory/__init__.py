"""Generated Protobuf package infrafabric.memory."""
