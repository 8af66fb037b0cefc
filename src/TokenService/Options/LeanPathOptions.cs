namespace TokenService.Options;

/// <summary>The lean path in front of OpenIddict for the hot protocol requests (section <c>LeanPath</c>).</summary>
public sealed class LeanPathOptions
{
    public const string Section = "LeanPath";

    /// <summary>
    /// On by default. Off, every protocol request goes through OpenIddict's pipeline: same answers, higher cost
    /// (a way to rule the lean path out when investigating a problem).
    /// </summary>
    public bool Enabled { get; set; } = true;
}
