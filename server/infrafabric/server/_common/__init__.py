"""What every InfraFabric server shares: settings, identity, AIP-193 errors and the server skeleton."""
