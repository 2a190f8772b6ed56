"""Quote requests (demandes de devis), quotes and professional orders."""
