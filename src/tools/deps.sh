#!/bin/sh
# Check the Debian packages that a make target needs; install the missing
# ones with apt-get when run as root, otherwise print the exact command.
#   deps.sh build test bench experiments paper slurm fuzz
# Exit 0 when everything is present (or was installed), 1 otherwise.
set -u

pkgs_for() {
    case "$1" in
    build) echo "cmake make gcc pkg-config libopenblas-dev liblapacke-dev librandom123-dev libinih-dev" ;;
    test) echo "python3 python3-numpy gnuplot-nox" ;;
    bench) echo "python3 python3-numpy python3-numba" ;;
    experiments) echo "gnuplot-nox" ;;
    paper) echo "texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended poppler-utils" ;;
    slurm) echo "slurmctld slurmd slurm-client munge parallel" ;;
    fuzz) echo "clang libclang-rt-14-dev" ;;
    *) echo "deps.sh: unknown group '$1'" >&2; exit 2 ;;
    esac
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: no dpkg-query (not a Debian system): install the equivalents of" >&2
    for g in "$@"; do echo "  $(pkgs_for "$g")" >&2; done
    exit 0
fi

missing=""
for g in "$@"; do
    for p in $(pkgs_for "$g"); do
        case " $missing " in *" $p "*) continue ;; esac
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "deps.sh: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
        echo "deps.sh: apt-get failed to install:$missing" >&2
        exit 1
    }
    exit 0
fi
echo "deps.sh: missing Debian packages:$missing" >&2
echo "Install them with:" >&2
echo "  sudo apt-get install --no-install-recommends$missing" >&2
exit 1
