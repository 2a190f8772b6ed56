"""Calls for tenders (appels d'offres): lots, award criteria, reservation, Q&A, alerts."""
