"""Running onetime scaled out: haproxy in front of N servers, and the failover drill."""
