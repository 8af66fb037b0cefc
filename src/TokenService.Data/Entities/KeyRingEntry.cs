namespace TokenService.Data.Entities;

/// <summary>
/// One key of ASP.NET Core Data Protection's key ring (the portal's session, antiforgery and once-shown cookies),
/// shared by every instance so that a cookie sealed by one is opened by another behind the balancer.
/// </summary>
public sealed class KeyRingEntry
{
    public int Id { get; set; }

    /// <summary>Data Protection's name for it (<c>key-{guid}</c>).</summary>
    public required string Name { get; set; }

    /// <summary>The key's XML, its secret part wrapped with <c>Keys:ProtectionKey</c> when one is configured.</summary>
    public required string Xml { get; set; }
}
