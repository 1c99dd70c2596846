"""A minimal HTTP CONNECT proxy for the verify tests: tunnels to whatever is asked, or answers
every request with the status given on the command line (e.g. 407).
    python3 connect_proxy.py PORT_FILE [STATUS]"""
import socket, sys, threading

def pipe(a, b):
    try:
        while (data := a.recv(65536)):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

def handle(client, status):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = client.recv(1)
        if not chunk:
            return
        head += chunk
    line = head.split(b"\r\n")[0].decode()
    if status or not line.startswith("CONNECT "):
        client.sendall(f"HTTP/1.1 {status or '405 Method Not Allowed'}\r\nContent-Length: 0\r\n\r\n".encode())
        client.close()
        return
    host, _, port = line.split()[1].rpartition(":")
    upstream = socket.create_connection((host.strip("[]"), int(port)))
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    pipe(upstream, client)

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(8)
status = sys.argv[2] if len(sys.argv) > 2 else ""
with open(sys.argv[1], "w") as f:
    f.write(str(listener.getsockname()[1]))
while True:
    conn, _ = listener.accept()
    threading.Thread(target=handle, args=(conn, status), daemon=True).start()
