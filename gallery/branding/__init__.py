"""The clinic's name and logo, shown to patients and the public: portal, public pages, downloads."""
