namespace TokenService.Data.Entities;

/// <summary>Membership of an admin user in an organization: the user administers that organization and all its apps.</summary>
public sealed class OrganizationAdmin
{
    public Guid OrganizationId { get; set; }

    public Organization Organization { get; set; } = null!;

    public Guid AdminUserId { get; set; }

    public AdminUser AdminUser { get; set; } = null!;

    public DateTimeOffset Created { get; set; }
}
