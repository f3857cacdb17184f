"""The admin page on how well the suggested grades agree with the injectors' own."""
