"""InfraFabric's gRPC servers: one package per service, run with `python -m infrafabric.server <svc>`."""
