using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>Size and time limits on every request (section <c>Limits</c>).</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Largest request body accepted; larger ones are answered 413 before they are read.</summary>
    [Range(1_024, 100 * 1024 * 1024, ErrorMessage = "Limits:MaxRequestBodyBytes must be between 1024 and 104857600.")]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>A request still running after this long is cancelled and answered 504 (if nothing was sent yet).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Limits:RequestTimeout must be between 00:00:01 and 00:10:00.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
