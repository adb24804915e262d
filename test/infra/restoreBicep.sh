#!/usr/bin/env bash
# Restores the Bicep CLI (NuGet package Azure.Bicep.CommandLine.linux-x64, pinned in
# test/infra/bicepCli/restore.csproj) into .local/bicep and prints the path of its `bicep`.
# The infra tests find it there; `export PATH="$(dirname "$(bash test/infra/restoreBicep.sh)"):$PATH"`
# puts it on the path.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
packages="$root/.local/bicep/packages"
dotnet restore "$root/test/infra/bicepCli/restore.csproj" --packages "$packages" \
  -p:BaseIntermediateOutputPath="$root/.local/bicep/obj/" --nologo --verbosity quiet >&2
bicep="$(find "$packages/azure.bicep.commandline.linux-x64" -path '*/tools/bicep' -type f | sort | tail -n 1)"
[ -n "$bicep" ] || { echo "no bicep binary in $packages" >&2; exit 1; }
chmod +x "$bicep"
"$bicep" --version >&2
echo "$bicep"
