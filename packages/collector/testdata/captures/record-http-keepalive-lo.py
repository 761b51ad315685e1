#!/usr/bin/env python3
"""Records http-keepalive-lo.pcapng: 240 HTTP/1.1 requests on loopback, from 4 keep-alive
connections of 50 requests each and 40 one-request connections, every one answered. Needs root
(dumpcap on lo). Usage: record-http-keepalive-lo.py OUT"""
import http.client, http.server, socketserver, subprocess, sys, threading, time

out = sys.argv[1]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b"ok " + self.path.encode()
        self.send_response(200 if not self.path.endswith("/missing") else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
port = server.server_address[1]
cap = subprocess.Popen(["dumpcap", "-i", "lo", "-q", "-f", f"tcp port {port}", "-w", out])
time.sleep(1.5)
threading.Thread(target=server.serve_forever, daemon=True).start()

sent = 0
for c in range(4):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(50):
        conn.request("GET", f"/items/{c}/{i}" + ("/missing" if i % 10 == 9 else ""))
        conn.getresponse().read()
        sent += 1
    conn.close()
for i in range(40):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", f"/once/{i}", headers={"Connection": "close"})
    conn.getresponse().read()
    conn.close()
    sent += 1
time.sleep(1)
cap.terminate()
cap.wait()
server.shutdown()
print("requests", sent)
