using Microsoft.EntityFrameworkCore;
using TokenService.Data.Entities;

namespace TokenService.Data;

/// <summary>
/// The one database of the service: tenants, keys, and OpenIddict's applications, authorizations, scopes and tokens.
/// </summary>
public sealed class TokenServiceDbContext(DbContextOptions<TokenServiceDbContext> options) : DbContext(options)
{
    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<Application> Applications => Set<Application>();

    public DbSet<ResourceServer> ResourceServers => Set<ResourceServer>();

    public DbSet<ServerKey> ServerKeys => Set<ServerKey>();

    public DbSet<KeyRingEntry> KeyRing => Set<KeyRingEntry>();

    public DbSet<AdminUser> AdminUsers => Set<AdminUser>();

    public DbSet<OrganizationAdmin> OrganizationAdmins => Set<OrganizationAdmin>();

    public DbSet<AppUser> AppUsers => Set<AppUser>();

    public DbSet<Lease> Leases => Set<Lease>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<FailureCounter> FailureCounters => Set<FailureCounter>();

    public DbSet<ServiceInstance> ServiceInstances => Set<ServiceInstance>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        base.OnModelCreating(modelBuilder);
        modelBuilder.UseOpenIddict();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(TokenServiceDbContext).Assembly);
    }
}
