"""Guard service: input/output screening for the InfraFabric gateway (engine in ``engine/``)."""
