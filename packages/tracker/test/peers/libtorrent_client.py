"""Announce and scrape an info hash with libtorrent, printing one JSON line per tracker alert.

Usage: libtorrent_client.py TRACKER_URL INFO_HASH_HEX SAVE_DIR TIMEOUT_SECONDS
"""
import json
import sys
import time

import libtorrent as lt

url, info_hash, save_dir, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
session = lt.session({
    'listen_interfaces': '127.0.0.1:0',
    'enable_dht': False,
    'enable_lsd': False,
    'enable_upnp': False,
    'enable_natpmp': False,
    'alert_mask': lt.alert.category_t.tracker_notification | lt.alert.category_t.error_notification,
})
params = lt.add_torrent_params()
params.info_hashes = lt.info_hash_t(lt.sha1_hash(bytes.fromhex(info_hash)))
params.save_path = save_dir
params.trackers = [url]
params.flags &= ~lt.torrent_flags.auto_managed
params.flags &= ~lt.torrent_flags.paused
handle = session.add_torrent(params)

deadline = time.time() + timeout
scraped = False
while time.time() < deadline:
    session.wait_for_alert(100)
    for alert in session.pop_alerts():
        if isinstance(alert, lt.tracker_reply_alert):
            print(json.dumps({'type': 'reply', 'peers': alert.num_peers, 'port': session.listen_port()}), flush=True)
            if not scraped:
                scraped = True
                handle.scrape_tracker()
        elif isinstance(alert, lt.scrape_reply_alert):
            print(json.dumps({'type': 'scrape', 'complete': alert.complete, 'incomplete': alert.incomplete}), flush=True)
            sys.exit(0)
        elif isinstance(alert, (lt.tracker_error_alert, lt.scrape_failed_alert)):
            print(json.dumps({'type': 'error', 'message': alert.message()}), flush=True)
sys.exit(2)
