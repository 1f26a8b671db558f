"""The TrueCraft workbook, as data. Rows are built from these, never from column letters."""
from __future__ import annotations

from sheet_schema.schema import Column as C
from sheet_schema.schema import DATE_TIME_FORMAT as DT
from sheet_schema.schema import ColourRule, Tab, WorkbookSchema, money_format

ORDERS = "Orders"
DUPLICATES = "Duplicates"
CUSTOMERS = "Customers"
SKU_MAP = "SKU Map"
INVENTORY = "Inventory"
BUNDLES = "Bundles"
MANUAL_ENTRY = "Manual Entry"
AUDIT_LOG = "Audit Log"
DASHBOARD = "Dashboard"

STATUSES = ("UNFULFILLED", "IN PROGRESS", "ON HOLD", "FULFILLED", "CANCELLED", "MERGED")
DECISIONS = ("MERGE", "NOT DUPLICATE", "CANCEL ON PLATFORM")
LABEL_ACTIONS = ("BUY", "VOID")
# Money cells show their currency; an order in another currency gets its own on its row.
MONEY = money_format("USD")
COUNTRIES = ("US", "CA", "GB", "AU", "NZ", "IE", "DE", "FR", "NL", "ES", "IT", "JP")
CURRENCIES = ("USD", "CAD", "GBP", "EUR", "AUD", "NZD", "JPY")
CARRIERS = ("USPS", "UPS", "FedEx", "DHL", "Royal Mail", "Canada Post", "Australia Post", "Other")

# Colour rules refer to columns by header via MATCH so they survive moved columns;
# init rewrites them with the current letters anyway. {Status} etc. are filled in by init.
# Duplicate colours are for rows that still need a decision: a MERGED, CANCELLED or FULFILLED
# row is resolved whatever its score (issue 14.2), and the status rules come first anyway.
_OPEN = 'NOT(OR({status}{row}="MERGED",{status}{row}="CANCELLED",{status}{row}="FULFILLED"))'

# The working columns come first (issue 14.1): what a person reads and types every day is in view
# without scrolling. Column order is only a default for new sheets: init never moves a column.
ORDERS_TAB = Tab(
    name=ORDERS,
    key_column="order_id",
    frozen_key=True,
    print_landscape=True,
    print_through="match_reasons",
    columns=(
        C("order_id", "Order ID", width=70),
        C("received", "Received", "datetime", width=125, number_format=DT),
        C("platform", "Platform", width=75),
        C("customer", "Customer", width=140, wrap=True),
        C("items", "Items", width=240, wrap=True),
        C("total", "Total", "money", width=85, number_format=MONEY),
        C("status", "Status", "choice", editable=True, choices=STATUSES, width=115),
        C("carrier", "Carrier", "choice", editable=True, choices=CARRIERS, width=95, strict=False),
        C("tracking", "Tracking #", editable=True, width=180, number_format="@"),
        C("label", "Label", "choice", editable=True, choices=LABEL_ACTIONS, width=70, note=(
            "BUY: TrueCraft checks the Ship To with EasyPost, buys the cheapest allowed postage and fills "
            "Carrier, Tracking #, Label Link and Postage. VOID: asks EasyPost to refund the label.")),
        C("label_link", "Label Link", width=160),
        C("postage", "Postage", width=170),
        C("dup_score", "Duplicate Score", "int", width=80),
        C("dup_of", "Duplicate Of", width=85),
        C("match_reasons", "Match Reasons", width=280, wrap=True),
        C("notes", "Notes", editable=True, width=200, wrap=True),
        C("linked_orders", "Linked Orders", editable=True, width=110),
        C("currency", "Currency", width=70),
        C("platform_order_id", "Platform Order #", width=150, number_format="@"),
        C("email", "Email", width=210),
        C("phone", "Phone", width=130, number_format="@"),
        C("ship_to", "Ship To", editable=True, width=260, wrap=True),
        C("customer_history", "Customer History", width=200, wrap=True),
        C("sync", "Sync", width=260, wrap=True),
    ),
    # First rule wins where two apply (Google: list order; Excel/LibreOffice: priority).
    colour_rules=(
        ColourRule("cancelled", '=OR({status}{row}="CANCELLED",{status}{row}="MERGED")', "EFEFEF"),
        ColourRule("fulfilled", '={status}{row}="FULFILLED"', "D9EAD3"),
        ColourRule("duplicate-high", '=AND(ISNUMBER({dup_score}{row}),{dup_score}{row}>=85,' + _OPEN + ')', "F4C7C3"),
        ColourRule("duplicate", '=AND(ISNUMBER({dup_score}{row}),{dup_score}{row}>={threshold},' + _OPEN + ')',
                   "FCE8B2"),
        ColourRule("old-label", '=LEFT({sync}{row},36)="Label was bought for the old address"', "F9CB9C"),
        ColourRule("on-hold", '={status}{row}="ON HOLD"', "FFF2CC"),
        ColourRule("in-progress", '={status}{row}="IN PROGRESS"', "CFE2F3"),
    ),
    retired_rules=(  # before issue 14: duplicate colours came first and ignored the status
        ColourRule("duplicate-high", '=AND(ISNUMBER({dup_score}{row}),{dup_score}{row}>=85)', "F4C7C3"),
        ColourRule("duplicate", '=AND(ISNUMBER({dup_score}{row}),{dup_score}{row}>={threshold})', "FCE8B2"),
    ),
    tab_colour="4A86E8",
)

DUPLICATES_TAB = Tab(
    name=DUPLICATES,
    key_column="pair_id",
    print_landscape=True,
    columns=(
        C("pair_id", "Pair", width=110),
        C("detected", "Detected", "datetime", width=125, number_format=DT),
        C("score", "Score", "int", width=60),
        C("alert", "Alert", width=300, wrap=True),
        C("order_a", "Order A", width=80),
        C("summary_a", "Order A Details", width=260, wrap=True),
        C("order_b", "Order B", width=80),
        C("summary_b", "Order B Details", width=260, wrap=True),
        C("reasons", "Reasons", width=260, wrap=True),
        C("decision", "Decision", "choice", editable=True, choices=DECISIONS, width=160),
        C("result", "Result", width=220, wrap=True),
    ),
    colour_rules=(ColourRule("undecided", '=AND({decision}{row}="",{score}{row}<>"")', "FCE8B2"),),
)

CUSTOMERS_TAB = Tab(
    name=CUSTOMERS,
    key_column="customer_id",
    columns=(
        C("customer_id", "Customer ID", width=90),
        C("name", "Name", width=160),
        C("emails", "Emails", width=220, wrap=True),
        C("phones", "Phones", width=140),
        C("channels", "Channels", width=140),
        C("order_count", "Orders", "int", width=60),
        C("total_spent", "Total Spent", "money", width=90, number_format=MONEY),
        C("first_order", "First Order", "datetime", width=125, number_format=DT),
        C("last_order", "Last Order", "datetime", width=125, number_format=DT),
        C("repeat", "Repeat", width=70),
        C("order_ids", "Order IDs", width=220, wrap=True),
    ),
)

SKU_MAP_TAB = Tab(
    name=SKU_MAP,
    key_column="listing_key",
    columns=(
        C("listing_key", "Listing Key", width=160),
        C("platform", "Platform", width=80),
        C("listing_id", "Listing ID", width=110),
        C("platform_sku", "Platform SKU", width=110),
        C("title", "Title", width=260, wrap=True),
        C("variant", "Variant", width=120),
        C("internal_sku", "Internal SKU", editable=True, width=110, note=(
            "You fill this in: the Inventory SKU this listing takes stock from when it ships. "
            "Copy the Suggested SKU if it is right. TrueCraft fills every other column.")),
        C("suggested_sku", "Suggested SKU", width=110, note=(
            "TrueCraft's guess: the listing's own SKU when Inventory has it, else the Inventory item "
            "or mapped listing with the most similar name. Copy it into Internal SKU to use it.")),
        C("stock", "Stock", width=320, note="Whether shipping this listing moves stock, in plain words."),
    ),
)

INVENTORY_TAB = Tab(
    name=INVENTORY,
    key_column="internal_sku",
    protect_service_columns=False,
    columns=(
        C("internal_sku", "Internal SKU", editable=True, width=110),
        C("name", "Name", editable=True, width=220, note=(
            "TrueCraft fills a blank Name from the listings mapped to this SKU; what you type is kept.")),
        C("on_hand", "On Hand", "int", editable=True, width=80),
        C("low_stock", "Low Stock At", "int", editable=True, width=90),
        C("parcel", "Parcel", editable=True, width=130, note=(
            "Weight and size of one packed item, for labels: e.g. 12 oz 9x6x2 in (or lb, g, kg, cm).")),
        C("last_movement", "Last Movement", width=260, wrap=True),
    ),
    colour_rules=(ColourRule("low-stock", '=AND(ISNUMBER({on_hand}{row}),{on_hand}{row}<={low_stock}{row})', "F4C7C3"),),
)

BUNDLES_TAB = Tab(
    name=BUNDLES,
    protect_service_columns=False,
    columns=(
        C("bundle_sku", "Bundle SKU", editable=True, width=110),
        C("component_sku", "Component SKU", editable=True, width=120),
        C("quantity", "Quantity", "int", editable=True, width=80),
    ),
)

YOU = "You fill this in. "
TC = "TrueCraft fills this in: leave it blank."
MANUAL_ENTRY_TAB = Tab(
    name=MANUAL_ENTRY,
    key_column="entry_id",
    columns=(
        C("date", "Date", editable=True, width=125, note=YOU + "Like 2026-11-27 (blank = when TrueCraft first saw the row)."),
        C("customer", "Customer", editable=True, width=150, note=YOU + "The buyer's name."),
        C("email", "Email", editable=True, width=180, note=YOU + "Optional: helps spot repeat buyers."),
        # Plain text: a typed phone (+1 503…) or ZIP (02134) stays exactly as typed (FACTS 3).
        C("phone", "Phone", editable=True, width=120, number_format="@", note=YOU + "Optional."),
        C("address", "Address", editable=True, width=200, wrap=True, note=YOU + "Street and number."),
        C("city", "City", editable=True, width=110, note=YOU),
        C("region", "State/Region", editable=True, width=90, note=YOU + "Like OR or Ontario."),
        C("postal_code", "Postal Code", editable=True, width=90, number_format="@", note=YOU + "Kept as typed."),
        C("country", "Country", "choice", editable=True, choices=COUNTRIES, strict=False, width=70,
          note=YOU + "Two-letter code like US; pick or type."),
        C("item", "Item", editable=True, width=200, wrap=True, note=YOU + "What was sold."),
        C("sku", "SKU", editable=True, width=90, note=YOU + "Optional: your Internal SKU, so stock moves."),
        C("quantity", "Quantity", editable=True, width=70, note=YOU + "A whole number (blank = 1)."),
        C("unit_price", "Unit Price", editable=True, width=80, note=YOU + "Price of one, like 25.00."),
        C("currency", "Currency", "choice", editable=True, choices=CURRENCIES, strict=False, width=70,
          note=YOU + "Pick or type (blank = USD)."),
        C("notes", "Notes", editable=True, width=160, wrap=True, note=YOU + "Optional."),
        C("order_id", "Order ID", width=80, note=TC),
        C("message", "TrueCraft Message", width=300, wrap=True, note=TC + " Says what was added, or what to fix."),
        # The row's identity, written before its order is stored: fixing a typo later updates
        # that order instead of adding a second one.
        C("entry_id", "Entry ID", width=110, note=TC),
    ),
)

AUDIT_LOG_TAB = Tab(
    name=AUDIT_LOG,
    key_column="entry",
    columns=(
        C("entry", "Entry #", "int", width=60),
        C("at", "When", "datetime", width=125, number_format=DT),
        C("zone", "Time Zone", width=150),
        C("order_id", "Order ID", width=80),
        C("kind", "What", width=200, wrap=True),
        C("old", "Old", width=200, wrap=True),
        C("new", "New", width=200, wrap=True),
        C("source", "Source", width=100),
        C("editor", "Editor", width=160),
        C("detail", "Detail", width=260, wrap=True),
    ),
)

DASHBOARD_TAB = Tab(
    name=DASHBOARD,
    protect_service_columns=False,
    print_landscape=True,
    columns=(C("label", "TrueCraft Dashboard", width=240), C("value", "", width=120)),
    cells=(),  # filled by sheet_schema.dashboard, which needs the live column letters
    tab_colour="6AA84F",
)

WORKBOOK = WorkbookSchema(tabs=(
    ORDERS_TAB, DUPLICATES_TAB, CUSTOMERS_TAB, SKU_MAP_TAB, INVENTORY_TAB, BUNDLES_TAB,
    MANUAL_ENTRY_TAB, AUDIT_LOG_TAB, DASHBOARD_TAB,
))
