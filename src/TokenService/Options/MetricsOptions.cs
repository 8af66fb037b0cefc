namespace TokenService.Options;

/// <summary>The Prometheus endpoint (section <c>Metrics</c>).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Serve <c>GET /metrics</c> (and count). Off: no endpoint, and the instruments have no listener.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Addresses besides loopback and <c>Transport:TrustedProxies</c> that may read <c>/metrics</c> (a Prometheus server
    /// on another host). Anyone else gets 404, as if there were no such endpoint.
    /// </summary>
    public IList<string> AllowedAddresses { get; } = [];
}
