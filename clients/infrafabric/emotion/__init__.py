"""Generated Protobuf package infrafabric.emotion."""
