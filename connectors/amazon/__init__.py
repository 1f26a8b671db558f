"""Amazon SP-API connector: searchOrders in, confirmShipment out."""
