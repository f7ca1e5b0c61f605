namespace EcoMonitor.Core.Alerting.Rules;

public enum ProblemSeverity
{
    Warning,
    Error,
}

/// <summary>A problem of the rules file at a 1-based line and column.</summary>
public sealed record RuleProblem(ProblemSeverity Severity, int Line, int Column, string Message)
{
    public bool IsError => Severity == ProblemSeverity.Error;

    /// <summary><c>line:col: error: message</c>, the compiler-style form check-config prefixes with the path.</summary>
    public override string ToString() => $"{Line}:{Column}: {(IsError ? "error" : "warning")}: {Message}";
}

/// <summary>
/// The outcome of parsing a rules file: the valid rules (a rule with an error is left out, the
/// others still load) and every problem found, in file order.
/// </summary>
public sealed record RulesFile(IReadOnlyList<AlertRule> Rules, IReadOnlyList<RuleProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);

    public static RulesFile Empty { get; } = new([], []);
}
