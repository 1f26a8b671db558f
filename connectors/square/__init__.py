"""Square connector: orders and invoices in, UpdateOrder fulfilment out."""
