using BenchmarkDotNet.Running;
using EcoMonitor.Benchmarks;

// Runs the benchmarks the arguments choose (BenchmarkDotNet's switches: --filter '*', --job short,
// --list flat, …); deploy/local/bench.sh builds Release and passes its arguments on. --describe
// prints the workload instead: rule mix, states, transitions per round.
if (args.Contains("--describe", StringComparer.Ordinal))
{
    Workload.Describe(Console.Out);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(ObserveBenchmarks).Assembly).Run(args);
