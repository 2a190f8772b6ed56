"""Bids (offres) on the lots of a call for tenders, alone or as a groupement; partner
notices; sealed opening; evaluation, award, rejection letters; OCDS open data."""
