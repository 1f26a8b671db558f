/**
 * TrueCraft — push sheet edits to your TrueCraft server the moment they happen.
 *
 * Paste this whole file into Extensions > Apps Script of your TrueCraft sheet, save,
 * then run `setup` once (it asks for the server URL and the edit secret, and installs
 * the trigger). Edits are also picked up by polling every TRUECRAFT_POLL_SECONDS
 * (default 10 s), so a failed push is harmless: this only makes things faster.
 *
 * Wire format (the server checks these exact bytes):
 *   POST <url>   Content-Type: application/json; charset=utf-8
 *   X-TrueCraft-Signature: base64(HMAC-SHA256(key = edit secret as UTF-8,
 *                                              msg = the body's UTF-8 bytes))
 *   body = JSON.stringify(payload) with the keys in the order of buildEditPayload.
 */

var WATCHED = {
  'Orders': ['Status', 'Carrier', 'Tracking #', 'Label', 'Ship To', 'Notes', 'Linked Orders'],
  'Duplicates': ['Decision']
};
// The column that identifies the row, found by its header text (never by letter).
var ROW_KEY = {'Orders': {header: 'Order ID', field: 'orderId'},
               'Duplicates': {header: 'Pair', field: 'pairId'}};
var HEADER_ROW = 1;
var MAX_ROWS_LISTED = 500;

/** Run once from the editor: asks for the URL and secret, stores them, installs the trigger. */
function setup() {
  var ui = SpreadsheetApp.getUi();
  var url = ui.prompt('TrueCraft server URL',
      'e.g. https://orders.example.com/webhooks/sheet', ui.ButtonSet.OK_CANCEL);
  if (url.getSelectedButton() !== ui.Button.OK) return;
  var secret = ui.prompt('Edit secret', 'The value of TRUECRAFT_EDIT_SECRET in your .env',
      ui.ButtonSet.OK_CANCEL);
  if (secret.getSelectedButton() !== ui.Button.OK) return;
  setupWith(url.getResponseText().trim(), secret.getResponseText().trim());
  ui.alert('TrueCraft will now send edits to ' + url.getResponseText().trim());
}

/** Store the settings and (re)install exactly one installable onEdit trigger. */
function setupWith(url, secret) {
  if (!/^https:\/\//.test(url)) throw new Error('The URL must start with https://');
  if (!secret || secret.length < 16) throw new Error('Use an edit secret of at least 16 characters');
  PropertiesService.getScriptProperties().setProperties(
      {TRUECRAFT_URL: url, TRUECRAFT_EDIT_SECRET: secret});
  ScriptApp.getProjectTriggers().forEach(function (t) {
    if (t.getHandlerFunction() === 'onEditInstalled') ScriptApp.deleteTrigger(t);
  });
  // Installable (not simple) trigger: simple onEdit triggers may not call UrlFetchApp.
  ScriptApp.newTrigger('onEditInstalled')
      .forSpreadsheet(SpreadsheetApp.getActive()).onEdit().create();
}

/** The installed trigger: post watched edits, signed; never throw at the person editing. */
function onEditInstalled(e) {
  try {
    var props = PropertiesService.getScriptProperties();
    var url = props.getProperty('TRUECRAFT_URL');
    var secret = props.getProperty('TRUECRAFT_EDIT_SECRET');
    if (!url || !secret || !e || !e.range) return;
    var payload = describeEdit(e);
    if (!payload) return;
    var body = JSON.stringify(payload);
    UrlFetchApp.fetch(url, {
      method: 'post',
      contentType: 'application/json; charset=utf-8',
      payload: body,
      headers: {'X-TrueCraft-Signature': signBody(body, secret)},
      muteHttpExceptions: true,  // polling reconciles anything that did not arrive
      followRedirects: false
    });
  } catch (err) {
    console.warn('TrueCraft push skipped: ' + err);
  }
}

/** Read the edited sheet around e.range and build the payload, or null if nothing watched changed. */
function describeEdit(e) {
  var range = e.range;
  var sheet = range.getSheet();
  var name = sheet.getName();
  if (!WATCHED[name] || range.getLastRow() <= HEADER_ROW) return null;
  var headers = sheet.getRange(HEADER_ROW, 1, 1, sheet.getLastColumn()).getDisplayValues()[0];
  var firstRow = Math.max(range.getRow(), HEADER_ROW + 1);
  var numRows = range.getLastRow() - firstRow + 1;
  var keyCol = headerIndex(headers, ROW_KEY[name].header);
  var keys = [];
  if (keyCol >= 0) {
    var shown = Math.min(numRows, MAX_ROWS_LISTED);
    keys = sheet.getRange(firstRow, keyCol + 1, shown, 1).getDisplayValues()
        .map(function (r) { return r[0]; });
  }
  return buildEditPayload({
    sheet: name, a1: range.getA1Notation(), row: range.getRow(), column: range.getColumn(),
    numRows: range.getNumRows(), numColumns: range.getNumColumns(), headers: headers,
    oldValue: e.oldValue, value: e.value, editor: editorEmail(e),
    editedAt: new Date().toISOString(), keys: keys
  });
}

/** Pure: the JSON payload (fixed key order) for one edit, or null when no watched column is touched. */
function buildEditPayload(info) {
  var watched = WATCHED[info.sheet];
  if (!watched) return null;
  var touched = [];
  for (var c = info.column; c < info.column + info.numColumns; c++) {
    var header = String(info.headers[c - 1] || '').trim();
    if (watched.indexOf(header) >= 0) touched.push(header);
  }
  if (!touched.length) return null;
  var single = info.numRows === 1 && info.numColumns === 1;
  var payload = {
    sheet: info.sheet,
    range: info.a1,
    row: info.row,
    column: info.column,
    numRows: info.numRows,
    numColumns: info.numColumns,
    header: single ? touched[0] : touched.join(', '),
    // Multi-cell pastes carry no values: the server re-reads the whole range.
    oldValue: single && info.oldValue !== undefined ? String(info.oldValue) : null,
    value: single && info.value !== undefined ? String(info.value) : null,
    editor: info.editor || '',
    editedAt: info.editedAt
  };
  var key = ROW_KEY[info.sheet];
  payload[key.field] = info.keys.length ? String(info.keys[0]) : null;
  if (info.keys.length > 1) payload[key.field + 's'] = info.keys.map(String);
  return payload;
}

/** Pure: index of a header (trimmed, case-insensitive), -1 when absent. */
function headerIndex(headers, wanted) {
  var target = wanted.trim().toLowerCase();
  for (var i = 0; i < headers.length; i++) {
    if (String(headers[i]).trim().toLowerCase() === target) return i;
  }
  return -1;
}

/** base64(HMAC-SHA256(secret, body)) over the UTF-8 bytes, as the server checks it. */
function signBody(body, secret) {
  var mac = Utilities.computeHmacSha256Signature(body, secret, Utilities.Charset.UTF_8);
  return Utilities.base64Encode(mac);
}

/** Who edited: e.user when Google shares it, else the active user (may be empty for others). */
function editorEmail(e) {
  var email = '';
  try { email = e.user && e.user.getEmail ? e.user.getEmail() : ''; } catch (err) { email = ''; }
  if (!email) {
    try { email = Session.getActiveUser().getEmail(); } catch (err) { email = ''; }
  }
  return email;
}
