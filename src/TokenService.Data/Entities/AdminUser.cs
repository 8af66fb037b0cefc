namespace TokenService.Data.Entities;

/// <summary>A person who administers the organizations it is a member of.</summary>
public sealed class AdminUser : IUserAccount
{
    public Guid Id { get; set; }

    /// <summary>Unique service-wide, stored lower-case.</summary>
    public required string Username { get; set; }

    /// <summary>Unique service-wide, stored lower-case.</summary>
    public required string Email { get; set; }

    public string? Name { get; set; }

    /// <summary>Salted slow hash (ASP.NET Core Identity's PBKDF2 format); never the password.</summary>
    public required string PasswordHash { get; set; }

    public bool Activated { get; set; } = true;

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Modified { get; set; }

    public List<OrganizationAdmin> Memberships { get; } = [];

    void IUserAccount.ChangeEmail(string email) => Email = email;
}
