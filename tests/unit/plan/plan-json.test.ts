    // An HTTP store is saved as its URL; fromJSON opens URLs with FetchStore by default.
    const web = new ZarrArray(new FetchStore("https://example.org/data.zarr/"), "a", a.metadata);
    const pw = plan({ w: web.lazy().get(0) });
    expect(pw.toJSON().store).toBe("https://example.org/data.zarr/");
    const seen: string[] = [];
    const reopened = await Plan.fromJSON(pw.toJSON(), {
      openStore: (loc) => {
        seen.push(loc);
        return fs;
      },
    });
    expect(seen).toEqual(["https://example.org/data.zarr/"]);
    expect(Array.from((await reopened.read()).w!.data as ArrayLike<number>)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
/
  });
});
