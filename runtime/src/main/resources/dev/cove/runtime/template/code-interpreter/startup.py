# Runs in every Python kernel at start (IPKernelApp.exec_files): the formatters E2B's results carry beyond
# Jupyter's own MIME types. `e2b/chart` turns a matplotlib figure into a typed chart, `e2b/data` a pandas
# DataFrame into its columns. Both look at sys.modules first, so `1 + 1` never imports pandas or matplotlib.
def _cove_install_formatters():
    import os
    import sys

    import IPython
    from IPython.core.formatters import BaseFormatter
    from traitlets import ObjectName, Unicode

    # IPython sets __file__ while it runs a start-up file; the chart code sits beside this one
    charts_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "charts.py")
    loaded = {}

    def charts():
        if "module" not in loaded:
            import importlib.util
            spec = importlib.util.spec_from_file_location("cove_charts", charts_path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            loaded["module"] = module
        return loaded["module"]

    class ChartFormatter(BaseFormatter):
        format_type = Unicode("e2b/chart")
        print_method = ObjectName("_repr_e2b_chart_")
        _return_type = (dict,)

        def __call__(self, obj):
            if "matplotlib" not in sys.modules:
                return super().__call__(obj)
            from matplotlib.figure import Figure
            if not isinstance(obj, Figure):
                return super().__call__(obj)
            try:
                return charts().figure_to_chart(obj) or None
            except Exception:  # a chart we cannot read must not cost the user the image
                return None

    class DataFormatter(BaseFormatter):
        format_type = Unicode("e2b/data")
        print_method = ObjectName("_repr_e2b_data_")
        _return_type = (dict,)

        def __call__(self, obj):
            pandas = sys.modules.get("pandas")
            if pandas is None or not isinstance(obj, pandas.DataFrame):
                return super().__call__(obj)
            try:
                columns = obj.to_dict(orient="list")
                return {str(k): [v.isoformat() if isinstance(v, pandas.Timestamp) else v for v in vs]
                        for k, vs in columns.items()}
            except Exception:
                return None

    ip = IPython.get_ipython()
    if ip is None:
        return
    ip.display_formatter.formatters["e2b/chart"] = ChartFormatter(parent=ip.display_formatter)
    ip.display_formatter.formatters["e2b/data"] = DataFormatter(parent=ip.display_formatter)


_cove_install_formatters()
del _cove_install_formatters
