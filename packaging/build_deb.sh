#!/usr/bin/env bash
# Builds the Debian package BUILD/deb/smsgw_<version>_<arch>.deb from an already built
# BUILD/smsgw (`make deb` builds it first). Root is not needed: dpkg-deb --root-owner-group
# records every file as root:root; owners that differ (the smsgw user's) are set at install by
# the maintainer scripts, because the user only exists from then on.
#
#   packaging/build_deb.sh [BUILD]     BUILD defaults to build, relative to the current directory
#
# What goes where:
#   /usr/bin/smsgw                            the binary, stripped
#   /etc/smsgw/gateway.yaml, grammar.yaml     conffiles; gateway.yaml is conf/gateway.yaml with
#                                             the edits in packaging/gateway.yaml.edits
#   /lib/systemd/system/smsgw.service         packaging/smsgw.service
#   /usr/share/doc/smsgw/                     README.md, docs/*.md, copyright
# and, made by postinst: the system user smsgw, /var/lib/smsgw, /etc/smsgw/keys/*.
set -euo pipefail

die() {
  echo "build_deb.sh: $*" >&2
  exit 1
}

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-build}" 2>/dev/null && pwd) || die "no build directory ${1:-build}: run make first"
bin="$build/smsgw"
[ -x "$bin" ] || die "no $bin: run make first"
for tool in dpkg-deb dpkg-shlibdeps strip; do
  command -v "$tool" >/dev/null || die "$tool is missing (make deps installs it)"
done

version=$(sed -n 's/.*kVersion = "\([^"]*\)".*/\1/p' "$src/gateway/version.h")
[ -n "$version" ] || die "no kVersion in gateway/version.h"
# A binary built from another tree or an older checkout must not be shipped under this version.
[ "$("$bin" version)" = "smsgw $version" ] ||
  die "$bin says '$("$bin" version)', gateway/version.h says $version: rebuild it"
arch=$(dpkg --print-architecture)
maintainer=${SMSGW_DEB_MAINTAINER:-smsgw maintainers <maintainers@smsgw.invalid>}
# Reproducible: file times in the package are clamped to the last commit's time.
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct)
  export SOURCE_DATE_EPOCH
fi

out="$build/deb"
mkdir -p "$out"
work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
# dpkg-shlibdeps wants a source tree: debian/control (it may be empty) and the package's
# files under debian/<package>/.
mkdir -p "$work/debian"
: >"$work/debian/control"
root="$work/debian/smsgw"

# Applies the line edits of packaging/gateway.yaml.edits to conf/gateway.yaml. Every "- " line
# must occur exactly once in the source, so that a change to conf/gateway.yaml that the edits no
# longer fit stops the build instead of shipping a half-edited file.
edit_gateway_yaml() { # source edits destination
  awk -v edits="$2" '
    BEGIN {
      while ((getline line < edits) > 0) {
        if (line ~ /^- /) { old = substr(line, 3); pending = 1 }
        else if (line ~ /^\+ / && pending) { repl[old] = substr(line, 3); seen[old] = 0; pending = 0 }
        else if (line !~ /^(#|$)/ || pending) { print "bad line in " edits ": " line > "/dev/stderr"; broken = 1 }
      }
      if (pending) { print "no \"+ \" line after the last \"- \" in " edits > "/dev/stderr"; broken = 1 }
      if (broken) exit
    }
    ($0 in repl) { print repl[$0]; seen[$0]++; next }
    { print }
    END {
      if (broken) exit 2
      for (o in seen) if (seen[o] != 1) { print "found " seen[o] " times, not once: " o > "/dev/stderr"; bad = 1 }
      exit bad
    }' "$1" >"$3" || die "packaging/gateway.yaml.edits does not fit conf/gateway.yaml (see above)"
}

# The key paths of a YAML file in order, values and comments left out.
yaml_keys() {
  grep -vE '^[[:space:]]*(#|$)' "$1" | sed -E 's/^([[:space:]-]*[A-Za-z_]+):.*/\1/'
}

package_gateway_yaml() { # destination
  local shipped="$src/conf/gateway.yaml" dest=$1
  edit_gateway_yaml "$shipped" "$src/packaging/gateway.yaml.edits" "$dest"
  # The packaged file has exactly the shipped file's keys ...
  diff <(yaml_keys "$shipped") <(yaml_keys "$dest") >&2 ||
    die "the packaged gateway.yaml's keys differ from conf/gateway.yaml's"
  # ... and no path left relative: /etc/smsgw/../var would be /etc/var.
  if grep -n '\.\./' "$dest" >&2; then
    die "conf/gateway.yaml has a relative path the edits do not cover (line above)"
  fi
  # ... and is valid. Keys come from the environment here: the key files are made at install.
  local zero=0000000000000000000000000000000000000000000000000000000000000000 result
  result=$(env -i SMSGW_STORE_KEY=$zero SMSGW_LEDGER_PEPPER_KEY=$zero SMSGW_ADMIN_TOKEN=$zero \
    "$bin" check --config "$dest" 2>&1) || die "smsgw check refuses the packaged gateway.yaml: $result"
}

install -d "$root/DEBIAN" "$root/usr/bin" "$root/etc/smsgw" "$root/lib/systemd/system" \
  "$root/usr/share/doc/smsgw"
install -m 0755 "$bin" "$root/usr/bin/smsgw"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/smsgw"
install -m 0644 "$src/conf/grammar.yaml" "$root/etc/smsgw/grammar.yaml"
package_gateway_yaml "$root/etc/smsgw/gateway.yaml"
# gateway.yaml may come to hold SMPP passwords: readable by root and, through a
# dpkg-statoverride that postinst registers, by the group smsgw only.
chmod 0640 "$root/etc/smsgw/gateway.yaml"
install -m 0644 "$src/packaging/smsgw.service" "$root/lib/systemd/system/smsgw.service"
install -m 0644 "$src/README.md" "$src"/docs/*.md "$src/packaging/copyright" \
  "$root/usr/share/doc/smsgw/"

for script in postinst prerm postrm; do
  install -m 0755 "$src/packaging/$script" "$root/DEBIAN/$script"
done
printf '%s\n' /etc/smsgw/gateway.yaml /etc/smsgw/grammar.yaml >"$root/DEBIAN/conffiles"
# debsums checks the installed files against these; conffiles are left out as dh_md5sums does.
(cd "$root" && find usr lib -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"

# Runtime dependencies from the libraries the binary actually loads (its NEEDED entries), with
# the minimum versions their shlibs/symbols files ask for. The linker drops a library the
# binary does not use yet (--as-needed), so this list grows by itself as the daemon links
# SQLite, libsmpp34 or libssl.
shlibs=$(cd "$work" && dpkg-shlibdeps -O -e debian/smsgw/usr/bin/smsgw 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no dependencies for the binary"
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)

cat >"$root/DEBIAN/control" <<EOF
Package: smsgw
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $shlibs, adduser
Section: net
Priority: optional
Description: SMS/USSD payment gateway over SMPP 3.4
 smsgw binds to a mobile operator's SMSC over SMPP 3.4 and turns subscribers'
 short text commands (pay a bill, send money, check a balance) into payment
 instructions for an account backend: an embedded double-entry ledger, or a
 bank's or wallet's system over HTTPS, each instruction sent exactly once.
 .
 The command language is defined in YAML (/etc/smsgw/grammar.yaml). The
 gateway runs as the systemd service smsgw under its own system user; its
 database lives in /var/lib/smsgw and its keys in /etc/smsgw/keys.
EOF

deb="$out/smsgw_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$work/smsgw.deb" >/dev/null
mv -f "$work/smsgw.deb" "$deb"
echo "$deb"
