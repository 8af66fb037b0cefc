namespace TokenService.Options;

/// <summary>How requests reach the service (section <c>Transport</c>).</summary>
public sealed class TransportOptions
{
    public const string Section = "Transport";

    /// <summary>
    /// Plain HTTP outside Development. Leave off unless a TLS-terminating proxy forwards to this host (then also list
    /// the proxy in <see cref="TrustedProxies"/>, so that <c>X-Forwarded-Proto: https</c> is believed).
    /// </summary>
    public bool AllowHttp { get; set; }

    /// <summary>Addresses of proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> headers are trusted.</summary>
    public IList<string> TrustedProxies { get; } = [];

    /// <summary>Days browsers are told to use HTTPS only (HSTS), sent on HTTPS responses outside Development.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 3650, ErrorMessage = "Transport:HstsMaxAgeDays must be between 0 and 3650.")]
    public int HstsMaxAgeDays { get; set; } = 365;
}
