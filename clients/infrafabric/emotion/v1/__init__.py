"""Generated Protobuf package infrafabric.emotion.v1."""
