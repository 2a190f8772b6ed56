"""Professional purchasing: quote requests, calls for tenders, bids and groupements."""
