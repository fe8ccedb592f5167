# shellcheck shell=bash
# Certificates for the e2e cluster, made with openssl. Sourced by up.sh (needs lib.sh).
# One throwaway CA per run dir; nothing here is a secret beyond this VM.

_sign() {  # _sign NAME SUBJECT EXT_FILE
  local name="$1" subj="$2" ext="$3"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" \
    -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -CAcreateserial -days 30 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
}

_client_cert() {  # _client_cert NAME CN [ORG]
  local name="$1" cn="$2" org="${3:-}" subj ext="$PKI/$1.ext"
  subj="/CN=$cn"; [[ -n "$org" ]] && subj="/O=$org$subj"
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=clientAuth" > "$ext"
  _sign "$name" "$subj" "$ext"
}

_server_cert() {  # _server_cert NAME CN SAN_LIST
  local name="$1" cn="$2" san="$3" ext="$PKI/$1.ext"
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$san" > "$ext"
  _sign "$name" "/CN=$cn" "$ext"
}

# write_kubeconfig FILE USER_CERT_NAME
write_kubeconfig() {
  local file="$1" cert="$2"
  cat > "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: stack-e2e
  cluster:
    certificate-authority: $PKI/ca.crt
    server: https://127.0.0.1:$E2E_APISERVER_PORT
users:
- name: $cert
  user:
    client-certificate: $PKI/$cert.crt
    client-key: $PKI/$cert.key
contexts:
- name: stack-e2e
  context:
    cluster: stack-e2e
    user: $cert
current-context: stack-e2e
EOF
  chmod 600 "$file"
}

gen_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  # made for this many nodes (a PKI of another node count lacks or has extra node certs)
  if [[ -f "$PKI/.done" && "$(cat "$PKI/.done")" == "$E2E_NODES" ]]; then
    log "reusing PKI in $PKI"
    return
  fi
  log "generating CA and certificates in $PKI"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -days 30 -sha256 \
    -subj "/CN=stack-e2e-ca" -out "$PKI/ca.crt" 2>/dev/null
  _server_cert apiserver kube-apiserver \
    "IP:127.0.0.1,IP:$E2E_SERVICE_IP,IP:$E2E_NODE_IP,IP:$E2E_NODES_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$E2E_CLUSTER_DOMAIN"
  _server_cert kubelet-serving "$E2E_NODE_NAME" "IP:$E2E_NODE_IP,IP:127.0.0.1,DNS:$E2E_NODE_NAME"
  _client_cert admin kubernetes-admin system:masters
  _client_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  _client_cert kube-controller-manager system:kube-controller-manager
  _client_cert kube-scheduler system:kube-scheduler
  _client_cert kube-proxy system:kube-proxy
  _client_cert kubelet "system:node:$E2E_NODE_NAME" system:nodes
  # multi-node: each node's kubelet has its own serving and client certificate
  local i node
  for ((i = 1; i <= E2E_NODES && E2E_NODES > 1; i++)); do
    node="e2e-n$i"
    _server_cert "kubelet-serving-$node" "$node" "IP:$(node_ip "$i"),IP:127.0.0.1,DNS:$node"
    _client_cert "kubelet-$node" "system:node:$node" system:nodes
  done
  # the NetworkPolicy enforcer: read-only on what it watches (manifests/kube-router-rbac.yaml)
  _client_cert kube-router kube-router
  # service-account token signing key pair
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  rm -f "$PKI"/*.ext
  chmod 600 "$PKI"/*.key
  for c in admin kube-controller-manager kube-scheduler kube-proxy kubelet kube-router; do
    write_kubeconfig "$E2E_RUN_DIR/$c.kubeconfig" "$c"
  done
  for ((i = 1; i <= E2E_NODES && E2E_NODES > 1; i++)); do
    write_kubeconfig "$E2E_RUN_DIR/kubelet-e2e-n$i.kubeconfig" "kubelet-e2e-n$i"
  done
  cp "$E2E_RUN_DIR/admin.kubeconfig" "$KUBECONFIG_ADMIN"
  echo "$E2E_NODES" > "$PKI/.done"
}
