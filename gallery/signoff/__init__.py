"""Medical-director sign-off of visits and their amendments."""
