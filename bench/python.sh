# Sourced by the benchmarks' run scripts: sets PYTHON to an interpreter that can import mamori.
# MAMORI_PYTHON wins; then the project's own virtual environment ($repo/.venv, as DEVELOPERS.md makes it);
# then the active virtual environment ($VIRTUAL_ENV) or python3 on PATH, if mamori imports there.
_candidates=("${MAMORI_PYTHON:-}" "$repo/.venv/bin/python" "${VIRTUAL_ENV:+$VIRTUAL_ENV/bin/python}" "$(command -v python3 || true)")
PYTHON=""
for _py in "${_candidates[@]}"; do
    if [[ -n "$_py" && -x "$_py" ]] && "$_py" -c "import mamori" 2>/dev/null; then
        PYTHON="$_py"
        break
    fi
done
if [[ -z "$PYTHON" ]]; then
    echo "no Python with mamori installed: set MAMORI_PYTHON, or create $repo/.venv as DEVELOPERS.md says" >&2
    exit 2
fi
export PYTHON
