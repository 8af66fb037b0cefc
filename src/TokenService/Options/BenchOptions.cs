namespace TokenService.Options;

/// <summary>The benchmark's aids (section <c>Bench</c>): off in every real deployment.</summary>
public sealed class BenchOptions
{
    public const string Section = "Bench";

    /// <summary>Maps <c>GET /bench/noop</c>, an endpoint that does no work (bench/run.sh's ceiling of the host).</summary>
    public bool Enabled { get; set; }
}
