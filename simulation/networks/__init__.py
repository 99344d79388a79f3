"""Social networks: generators, files and the fast CSR builders."""
