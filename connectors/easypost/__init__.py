"""EasyPost shipping labels: address verification, rates, buy, refund and batch label PDFs."""
