namespace TokenService.Data.Entities;

/// <summary>
/// Key material shared by every instance, generated once by whichever instance starts first,
/// so that tokens survive restarts and are readable by every instance.
/// </summary>
public sealed class ServerKey
{
    /// <summary>Purpose of the key, e.g. <c>signing</c> or <c>encryption</c>.</summary>
    public required string Id { get; set; }

    /// <summary>Key bytes in the format its purpose defines, base64-encoded.</summary>
    public required string Material { get; set; }

    public DateTimeOffset Created { get; set; }
}
