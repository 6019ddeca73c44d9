"""Generated Protobuf package infrafabric.router.v1."""
