# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the OpenSSL host tests (openssl_host_test.sh,
# openssl_system_test.sh) and by the build, which prints the configs below:
# the one copy of the openssl.cnf text of docs/openssl.md.
#
#   conf_sections MODULE EXTRA	the provider sections, EXTRA in
#				[randepoch_sect]: what randepoch-openssl
#				includes system-wide
#   conf FILE MODULE EXTRA	a whole config (for OPENSSL_CONF) into FILE
#   tls_cert DIR		a throwaway P-256 key and cert: DIR/key.pem,
#				DIR/cert.pem
#   free_port			a free TCP port on 127.0.0.1
#   handshake CONF DIR PORT	one s_server accepting once, one s_client,
#				both with OPENSSL_CONF=CONF;
#				0 if TLS 1.3 and an HTTP reply came back;
#				s_client's stderr in DIR/err

conf_sections() {
	cat <<EOC
[openssl_init]
providers = provider_sect
random = random_sect

[provider_sect]
default = default_sect
randepoch = randepoch_sect

[default_sect]
activate = 1

[randepoch_sect]
module = $1
activate = 1
$2

[random_sect]
random = RANDEPOCH
EOC
}

conf() {
	{
		printf 'openssl_conf = openssl_init\n\n'
		conf_sections "$2" "$3"
	} >"$1"
}

tls_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=localhost -days 1 -keyout "$1/key.pem" \
		-out "$1/cert.pem" >/dev/null 2>&1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

handshake() {
	OPENSSL_CONF=$1 timeout 20 openssl s_server -www \
		-accept "127.0.0.1:$3" \
		-naccept 1 -tls1_3 -cert "$2/cert.pem" -key "$2/key.pem" \
		</dev/null >"$2/srv" 2>&1 &
	srv=$!
	i=0
	while [ $i -lt 50 ] && ! grep -q ACCEPT "$2/srv" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	printf 'GET / HTTP/1.0\r\n\r\n' | OPENSSL_CONF=$1 timeout 20 \
		openssl s_client -tls1_3 -ign_eof -connect "127.0.0.1:$3" \
		>"$2/cli" 2>"$2/err"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	grep -q "^New, TLSv1.3" "$2/cli" && grep -q "^HTTP/1.0 200" "$2/cli"
}
